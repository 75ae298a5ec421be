(self.siteSearchData=self.siteSearchData||{})["x/gr"]={"df":"010102","terms":"grace gradient graph"};
