(self.siteSearchData=self.siteSearchData||{})["x/de"]={"df":"0102","terms":"decis depth"};
