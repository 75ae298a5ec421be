(self.siteSearchData=self.siteSearchData||{})["x/as"]={"df":"01","terms":"ask"};
