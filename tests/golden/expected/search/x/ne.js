(self.siteSearchData=self.siteSearchData||{})["x/ne"]={"df":"0301","terms":"network neural"};
